"""The demo's complaints (pengaduan): invented Kotawaringin Barat complaints at every national
status, with the follow-ups their agencies gave."""

from __future__ import annotations

from lapor_mock.demo_data import COMPLAINT, DONE, DemoReport

COMPLAINTS: tuple[DemoReport, ...] = (
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        1,
        "pupr",
        "Jalan Pangeran Antasari berlubang dan selalu tergenang",
        "Di Jalan Pangeran Antasari dekat bundaran, Pangkalan Bun, ada beberapa lubang besar yang "
        "tergenang setiap habis hujan. Minggu ini dua pengendara motor jatuh di sana. Mohon "
        "segera ditambal sebelum ada korban yang lebih parah.",
        21,
        DONE,
        "Tim pemeliharaan jalan telah menambal lubang sepanjang kurang lebih 40 meter dan "
        "membersihkan saluran di sisi jalan agar air tidak lagi menggenang.",
        ("Ahmad Fauzan", "ahmad.fauzan@example.com", "081200000101"),
    ),
    DemoReport(
        COMPLAINT,
        "Kumai",
        2,
        "dinkes",
        "Puskesmas Kumai tutup sebelum jam layanan berakhir",
        "Sudah tiga kali saya datang ke Puskesmas Kumai pukul 13.00 dan loket pendaftaran sudah "
        "tutup, padahal papan pengumuman menulis layanan sampai pukul 14.00. Ibu saya yang "
        "lansia terpaksa pulang tanpa diperiksa.",
        12,
        ("verify", "dispose", "process", "follow_up"),
        "Kepala Puskesmas telah diberi teguran. Mulai pekan ini loket pendaftaran dibuka sampai "
        "pukul 14.00 dan ada petugas piket untuk pasien lansia.",
        ("Rina Marlina", "rina.marlina@example.com", "081200000102"),
    ),
    DemoReport(
        COMPLAINT,
        "Kumai",
        6,
        "dlh",
        "Sampah menumpuk di tepi Sungai Kumai dekat pasar",
        "Sampah plastik dan sisa dagangan dibuang di tepi sungai di belakang pasar Kumai. Baunya "
        "menyengat dan sebagian hanyut ke sungai saat air pasang.",
        15,
        ("verify", "dispose", "process", "follow_up"),
        "Petugas kebersihan telah mengangkut sekitar enam meter kubik sampah. Dua kontainer "
        "sampah tambahan ditempatkan di pasar dan pengelola pasar diminta menertibkan pedagang.",
        anonymous=True,
    ),
    DemoReport(
        COMPLAINT,
        "Pangkalan Banteng",
        7,
        "dinsos",
        "Bantuan sosial untuk lansia tidak cair selama tiga bulan",
        "Nenek saya terdaftar sebagai penerima bantuan sosial lansia, tetapi sejak tiga bulan "
        "terakhir bantuannya tidak masuk ke rekening. Pendamping desa tidak bisa menjelaskan.",
        8,
        ("verify", "dispose", "process"),
        anonymous=True,
    ),
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        8,
        "dpmptsp",
        "Permohonan persetujuan bangunan gedung tidak ada kabar",
        "Permohonan PBG untuk ruko saya sudah lengkap sejak lebih dari satu bulan, tetapi status "
        "di sistem masih menunggu verifikasi dan petugas di loket tidak bisa memberi kepastian.",
        4,
        ("verify", "dispose"),
        reporter=("Hendra Wijaya", "hendra.w@example.com", "081200000106"),
    ),
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        9,
        "satpolpp",
        "Pedagang kaki lima menutup trotoar di pusat kota",
        "Trotoar di sekitar pertokoan pusat kota Pangkalan Bun penuh lapak pedagang sejak sore. "
        "Pejalan kaki, termasuk anak sekolah, terpaksa berjalan di badan jalan.",
        30,
        DONE,
        "Satpol PP telah melakukan penertiban dan memindahkan pedagang ke lokasi yang disediakan. "
        "Patroli dilakukan setiap sore selama satu bulan ke depan.",
        ("Sri Wahyuni", "sri.wahyuni@example.com", "081200000107"),
    ),
    DemoReport(
        COMPLAINT,
        "Kotawaringin Lama",
        10,
        "bpbd",
        "Banjir merendam rumah warga di tepi Sungai Lamandau",
        "Sejak dua hari air sungai naik dan merendam sekitar tiga puluh rumah. Warga membutuhkan "
        "perahu untuk evakuasi lansia dan bantuan air bersih.",
        25,
        DONE,
        "Tim reaksi cepat telah menyalurkan perahu karet, air bersih dan makanan siap saji, serta "
        "mendirikan posko pengungsian di balai desa. Air telah surut.",
        ("Maria Ulfa", "maria.ulfa@example.com", "081200000108"),
    ),
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        2,
        "rsud",
        "Antrean pendaftaran pasien BPJS di rumah sakit sangat lama",
        "Saya mengantre sejak pukul 06.00 dan baru dilayani pukul 11.00. Hanya satu loket yang "
        "buka untuk pasien BPJS. Mohon ditambah petugas atau disediakan pendaftaran daring.",
        10,
        ("verify", "dispose", "process", "follow_up"),
        "Rumah sakit menambah dua loket pada jam sibuk dan membuka pendaftaran daring melalui "
        "aplikasi mulai bulan depan.",
        ("Lestari Handayani", "lestari.h@example.com", "081200000109"),
        secret=True,
    ),
    DemoReport(
        COMPLAINT,
        "Pangkalan Lada",
        1,
        "pupr",
        "Jembatan kayu penghubung antardesa sudah rapuh",
        "Papan jembatan kayu yang menghubungkan dua desa di Pangkalan Lada banyak yang patah. "
        "Anak-anak tetap melewatinya setiap hari untuk ke sekolah.",
        1,
        reporter=("Budi Santoso", "budi.santoso@example.com", "081200000110"),
    ),
    DemoReport(
        COMPLAINT,
        "Pangkalan Banteng",
        11,
        "pupr",
        "Listrik sering padam di Karang Mulya",
        "Dalam sepekan listrik padam hampir setiap malam selama dua sampai tiga jam tanpa "
        "pemberitahuan. Usaha rumahan warga terganggu.",
        7,
        ("verify", "dispose", "forward:130"),
        reporter=("Agus Setiawan", "agus.setiawan@example.com", "081200000111"),
    ),
    DemoReport(
        COMPLAINT,
        "Arut Utara",
        2,
        "dinkes",
        "Stok obat di puskesmas pembantu kosong",
        "Puskesmas pembantu di desa kami kehabisan obat demam dan obat batuk untuk anak sejak dua "
        "minggu. Warga harus ke kecamatan yang jaraknya lebih dari satu jam.",
        2,
        ("verify",),
        anonymous=True,
    ),
    DemoReport(
        COMPLAINT,
        "Kumai",
        9,
        "satpolpp",
        "Balap liar di jalan poros Pangkalan Bun - Kumai setiap malam Minggu",
        "Setiap malam Minggu puluhan sepeda motor balapan di jalan poros menuju Kumai hingga "
        "dini hari. Suaranya mengganggu dan sudah pernah terjadi kecelakaan.",
        5,
        ("verify", "dispose", "process"),
        anonymous=True,
    ),
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        9,
        "satpolpp",
        "coba",
        "tes aplikasi saja",
        3,
        ("reject",),
    ),
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        6,
        "bpbd",
        "Asap pembakaran lahan di pinggir kota",
        "Sejak kemarin ada asap tebal dari lahan yang dibakar di pinggir kota. Jarak pandang "
        "pagi hari sangat pendek dan anak-anak mulai batuk.",
        3,
        ("verify", "dispose", "process", "follow_up"),
        "Tim gabungan telah memadamkan api di lahan sekitar dua hektare dan melakukan "
        "pendinginan. Pemilik lahan sedang dimintai keterangan.",
        anonymous=True,
    ),
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        4,
        "dukcapil",
        "Nama ibu di akta kelahiran anak salah ketik",
        "Akta kelahiran anak saya yang terbit bulan lalu menuliskan nama ibu dengan ejaan yang "
        "salah. Perbaikan yang dijanjikan belum juga selesai.",
        20,
        ("verify", "dispose", "process", "follow_up", "reopen"),
        "Akta kelahiran telah diterbitkan ulang dengan nama ibu yang benar dan dapat diambil di "
        "loket pelayanan.",
        ("Wulan Sari", "wulan.sari@example.com", "081200000114"),
    ),
    DemoReport(
        COMPLAINT,
        "Arut Utara",
        1,
        "pupr",
        "Jalan poros Pangkut - Gandis rusak berat",
        "Jalan tanah sepanjang belasan kilometer berubah menjadi kubangan saat hujan. Truk "
        "pengangkut hasil kebun sering terperosok dan harga kebutuhan pokok ikut naik.",
        13,
        ("verify", "dispose"),
        reporter=("Paulus Ding", "paulus.ding@example.com", "081200000116"),
    ),
    DemoReport(
        COMPLAINT,
        "Pangkalan Banteng",
        2,
        "rsud",
        "Ambulans desa rusak dan tidak bisa dipakai",
        "Ambulans desa sudah dua bulan rusak. Minggu lalu warga yang akan melahirkan harus dibawa "
        "ke rumah sakit dengan mobil bak terbuka.",
        2,
        ("verify",),
        reporter=("Nyoman Sukerta", "nyoman.s@example.com", "081200000117"),
    ),
)
"""The complaints, in the order they are seeded."""
